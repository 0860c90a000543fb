import { Edit, useRecordContext } from 'react-admin';
import { useSaveSuccess } from '../common/useSaveSuccess.js';
import type { ProductRecord } from '../types.js';
import { ProductForm } from './ProductForm.js';

const ProductTitle = () => <span>{useRecordContext<ProductRecord>()?.name}</span>;

export const ProductEdit = () => {
  const onSuccess = useSaveSuccess('products', 'updated');
  return (
    <Edit mutationMode="pessimistic" title={<ProductTitle />} mutationOptions={{ onSuccess }}>
      <ProductForm withStock />
    </Edit>
  );
};
