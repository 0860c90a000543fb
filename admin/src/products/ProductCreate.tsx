import { Create } from 'react-admin';
import { useSaveSuccess } from '../common/useSaveSuccess';
import { ProductForm } from './ProductForm';

/** After creating, the edit page: that is where stock is imported and limits are set. */
export const ProductCreate = () => {
  const onSuccess = useSaveSuccess('products', 'created', 'edit');
  return (
    <Create mutationOptions={{ onSuccess }}>
      <ProductForm />
    </Create>
  );
};
