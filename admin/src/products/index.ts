import ProductIcon from '@mui/icons-material/StorefrontOutlined';
import { ProductCreate } from './ProductCreate.js';
import { ProductEdit } from './ProductEdit.js';
import { ProductList } from './ProductList.js';

export default { list: ProductList, edit: ProductEdit, create: ProductCreate, icon: ProductIcon, recordRepresentation: 'name' };
